/** Options for `KubeConfig.loadFromOptions` of @kubernetes/client-node. */
export interface KubeConfigOptions {
  clusters: { name: string; server: string; skipTLSVerify?: boolean; caData?: string }[];
  users: { name: string; token: string }[];
  contexts: { name: string; cluster: string; user: string; namespace?: string }[];
  currentContext: string;
}

/** A kubeconfig YAML document for these options, to write to a file for `KUBECONFIG`. */
export function kubeconfigYaml(c: KubeConfigOptions): string {
  const cluster = c.clusters[0]!;
  const context = c.contexts[0]!;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${cluster.name}`,
    '  cluster:',
    `    server: ${JSON.stringify(cluster.server)}`,
    cluster.caData
      ? `    certificate-authority-data: ${cluster.caData}`
      : '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${c.users[0]!.name}`,
    '  user:',
    `    token: ${JSON.stringify(c.users[0]!.token)}`,
    'contexts:',
    `- name: ${context.name}`,
    '  context:',
    `    cluster: ${context.cluster}`,
    `    user: ${context.user}`,
    ...(context.namespace ? [`    namespace: ${context.namespace}`] : []),
    `current-context: ${c.currentContext}`,
    '',
  ].join('\n');
}
