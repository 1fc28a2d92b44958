/** Which kind of secret a credential signal is after (reading three kinds in one file is harvesting). */
export function credentialFamily(key: string): string {
  if (key === 'env-dump' || key === 'env-enumerate') return 'environment';
  if (key === 'metadata') return 'cloud metadata';
  if (key.startsWith('wallet:')) return 'wallet';
  if (key.startsWith('store:')) return 'browser or keychain';
  const n = key.slice(key.indexOf(':') + 1);
  if (/^(?:NPM_|NODE_AUTH_TOKEN|\.npmrc$)/.test(n)) return 'npm';
  if (/^(?:GITHUB_|GH_|ACTIONS_|gh\/)/.test(n)) return 'github';
  if (/^(?:GITLAB_|CI_JOB_)/.test(n)) return 'gitlab';
  if (/^(?:AWS_|\.aws$)/.test(n)) return 'aws';
  if (/^(?:AZURE_|\.azure$)/.test(n)) return 'azure';
  if (/^(?:GOOGLE_|gcloud$)/.test(n)) return 'gcp';
  return n;
}
