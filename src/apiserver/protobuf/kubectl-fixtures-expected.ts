// Decoded JSON expected for each captured kubectl fixture; equal to the JSON body kubectl sends for the same
// command when it talks JSON (Go encoding/json output).
export const EXPECTED_DECODED: Record<string, unknown> = {
  namespace: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'foo', creationTimestamp: null }, spec: {}, status: {} },
  configmap: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm1', creationTimestamp: null }, data: { a: 'b' } },
  secret: {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 's1', creationTimestamp: null },
    data: { pass: Buffer.from('s3cr3t').toString('base64'), user: Buffer.from('admin').toString('base64') },
  },
  deployment: {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: { containers: [{ name: 'busybox', image: 'busybox', resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  },
  deploymentWithPort: {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'd2', namespace: 'team-a', creationTimestamp: null, labels: { app: 'd2' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'd2' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'd2' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  },
  serviceClusterIP: {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'svc1', creationTimestamp: null, labels: { app: 'svc1' } },
    spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc1' }, type: 'ClusterIP' },
    status: { loadBalancer: {} },
  },
  serviceNodePort: {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 'np1', creationTimestamp: null, labels: { app: 'np1' } },
    spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }], selector: { app: 'np1' }, type: 'NodePort' },
    status: { loadBalancer: {} },
  },
  selfSubjectAccessReview: {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
    status: { allowed: false },
  },
  serviceAccount: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa1', creationTimestamp: null } },
  job: {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'j1', creationTimestamp: null },
    spec: {
      template: {
        metadata: { creationTimestamp: null },
        spec: { containers: [{ name: 'j1', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' },
      },
    },
    status: {},
  },
  cronJob: {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: { name: 'c1', creationTimestamp: null },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { name: 'c1', creationTimestamp: null },
        spec: {
          template: {
            metadata: { creationTimestamp: null },
            spec: { containers: [{ name: 'c1', image: 'busybox', resources: {} }], restartPolicy: 'OnFailure' },
          },
        },
      },
    },
    status: {},
  },
};

