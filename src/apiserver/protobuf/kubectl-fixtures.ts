// Request bodies captured from the real kubectl 1.32 (/usr/bin/kubectl) by kubectl-capture.ts.
// Regenerate by running captureKubectl with the same args and base64-encoding each POST body.

export interface KubectlFixture {
  args: string[];
  path: string;
  contentType: string;
  base64: string;
}

export const KUBECTL_FIXTURES = {
  namespace: {
    args: ["create", "namespace", "foo"],
    path: '/api/v1/namespaces',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDZm9vEgAaACIAKgAyADgAQgASABoCCgAaACIA',
  },
  configmap: {
    args: ["create", "configmap", "cm1", "--from-literal=a=b"],
    path: '/api/v1/namespaces/default/configmaps',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEh0KEwoDY20xEgAaACIAKgAyADgAQgASBgoBYRIBYhoAIgA=',
  },
  secret: {
    args: ["create", "secret", "generic", "s1", "--from-literal=user=admin", "--from-literal=pass=s3cr3t"],
    path: '/api/v1/namespaces/default/secrets',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoMCgJ2MRIGU2VjcmV0EjUKEgoCczESABoAIgAqADIAOABCABIOCgRwYXNzEgZzM2NyM3QSDQoEdXNlchIFYWRtaW4aABoAIgA=',
  },
  deployment: {
    args: ["create", "deployment", "web", "--image=busybox", "--replicas=2"],
    path: '/apis/apps/v1/namespaces/default/deployments',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Eq8BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEn4IAhIMCgoKA2FwcBIDd2ViGmQKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISRBImCgdidXN5Ym94EgdidXN5Ym94KgBCAGoAcgCAAQCIAQCQAQCiAQAaADIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAIgIKACgAOAAaDAgAEAAYACAAKAA4ABoAIgA=',
  },
  deploymentWithPort: {
    args: ["create", "deployment", "d2", "--image=nginx", "--port=80", "-n", "team-a"],
    path: '/apis/apps/v1/namespaces/team-a/deployments',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EroBCiMKAmQyEgAaBnRlYW0tYSIAKgAyADgAQgBaCQoDYXBwEgJkMhKEAQgBEgsKCQoDYXBwEgJkMhprChsKABIAGgAiACoAMgA4AEIAWgkKA2FwcBICZDISTBIuCgVuZ2lueBIFbmdpbngqADIKCgAQABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==',
  },
  serviceClusterIP: {
    args: ["create", "service", "clusterip", "svc1", "--tcp=80:8080"],
    path: '/api/v1/namespaces/default/services',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoNCgJ2MRIHU2VydmljZRJsCiEKBHN2YzESABoAIgAqADIAOABCAFoLCgNhcHASBHN2YzESQwobCgc4MC04MDgwEgNUQ1AYUCIHCAAQkD8aACgAEgsKA2FwcBIEc3ZjMRoAIglDbHVzdGVySVA6AEIAUgBaAGAAaAAaAgoAGgAiAA==',
  },
  serviceNodePort: {
    args: ["create", "service", "nodeport", "np1", "--tcp=80:8080", "--node-port=30080"],
    path: '/api/v1/namespaces/default/services',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoNCgJ2MRIHU2VydmljZRJqCh8KA25wMRIAGgAiACoAMgA4AEIAWgoKA2FwcBIDbnAxEkMKHQoHODAtODA4MBIDVENQGFAiBwgAEJA/GgAogOsBEgoKA2FwcBIDbnAxGgAiCE5vZGVQb3J0OgBCAFIAWgBgAGgAGgIKABoAIgA=',
  },
  selfSubjectAccessReview: {
    args: ["auth", "can-i", "create", "pods"],
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSPwoQCgASABoAIgAqADIAOABCABIhCh8KB2RlZmF1bHQSBmNyZWF0ZRoAIgAqBHBvZHMyADoAGggIABIAGgAgABoAIgA=',
  },
  serviceAccount: {
    args: ["create", "serviceaccount", "sa1"],
    path: '/api/v1/namespaces/default/serviceaccounts',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSFQoTCgNzYTESABoAIgAqADIAOABCABoAIgA=',
  },
  job: {
    args: ["create", "job", "j1", "--image=busybox", "--", "echo", "hi"],
    path: '/apis/batch/v1/namespaces/default/jobs',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoPCghiYXRjaC92MRIDSm9iEoQBChIKAmoxEgAaACIAKgAyADgAQgASZDJiChAKABIAGgAiACoAMgA4AEIAEk4SKwoCajESB2J1c3lib3gaBGVjaG8aAmhpKgBCAGoAcgCAAQCIAQCQAQCiAQAaBU5ldmVyMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAaCCAAKAAwADoAGgAiAA==',
  },
  cronJob: {
    args: ["create", "cronjob", "c1", "--image=busybox", "--schedule=*/5 * * * *"],
    path: '/apis/batch/v1/namespaces/default/cronjobs',
    contentType: 'application/vnd.kubernetes.protobuf',
    base64:
      'azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKeAQoSCgJjMRIAGgAiACoAMgA4AEIAEoUBCgsqLzUgKiAqICogKhoAKnQKEgoCYzESABoAIgAqADIAOABCABJeMlwKEAoAEgAaACIAKgAyADgAQgASSBIhCgJjMRIHYnVzeWJveCoAQgBqAHIAgAEAiAEAkAEAogEAGglPbkZhaWx1cmUyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBABoAGgAiAA==',
  },
} satisfies Record<string, KubectlFixture>;
