import { lazyModule } from './lazy-module';

/** The `yaml` library, loaded on first use (most projects have no YAML to read). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const yaml = lazyModule(() => require('yaml') as typeof import('yaml'));
