import type { Rule } from '../context';
import { shorten } from './provenance';

/** `signature-invalid` (critical) and `signature-missing` (medium, only where the registry publishes keys). */
export const signatureRule: Rule = (ctx) => {
  const s = ctx.signature;
  if (!s) return [];
  if (s.status === 'invalid') {
    return [
      {
        code: 'signature-invalid',
        severity: 'critical',
        message: `The registry signature of ${ctx.name}@${ctx.version} does not verify: ${shorten(s.reason ?? 'bad signature')}`,
        evidence: [
          { label: 'key', value: s.keyid ?? 'unknown' },
          { label: 'verification', value: s.reason ?? 'bad signature' },
          { label: 'signed text', value: `${ctx.name}@${ctx.version}:<dist.integrity>` },
        ],
      },
    ];
  }
  if (s.status === 'missing' && ctx.registry.hasKeys) {
    return [
      {
        code: 'signature-missing',
        severity: 'medium',
        message: `${ctx.name}@${ctx.version} carries no registry signature although ${ctx.registry.url} signs its packages`,
        evidence: [{ label: 'registry keys', value: `${ctx.registry.url}-/npm/v1/keys` }],
      },
    ];
  }
  return [];
};
