// core/v1 security settings for pods and containers.
import { type Defs, type Schema, arrOf, bool, core, int64, obj, oneOf, ref, str, strs } from './dsl.js';

/** Fields present at both pod and container level. */
const shared: Record<string, Schema> = {
  appArmorProfile: ref(core('AppArmorProfile'), 'AppArmor profile to apply.'),
  runAsGroup: int64('GID for the container process. Defaults to the runtime default.'),
  runAsNonRoot: bool('Refuse to start the container if it would run as UID 0.'),
  runAsUser: int64('UID for the container process. Defaults to the image USER.'),
  seLinuxOptions: ref(core('SELinuxOptions'), 'SELinux context to apply. Random per container when unset.'),
  seccompProfile: ref(core('SeccompProfile'), 'Seccomp profile to apply.'),
  windowsOptions: ref(core('WindowsSecurityContextOptions'), 'Settings specific to Windows containers.'),
};

/** core/v1 security context definitions. */
export const SECURITY_DEFS: Defs = {
  [core('SecurityContext')]: obj('Security settings for one container. Where they overlap, these win over the pod securityContext.', {
    ...shared,
    allowPrivilegeEscalation: bool('Whether a process may gain more privileges than its parent (no_new_privs). Always true when privileged or with CAP_SYS_ADMIN.'),
    capabilities: ref(core('Capabilities'), 'Linux capabilities to add or drop.'),
    privileged: bool('Run as privileged: roughly root on the host. Defaults to false.'),
    procMount: str('Which /proc mount to use: Default (masked paths) or Unmasked.'),
    readOnlyRootFilesystem: bool('Mount the container root filesystem read-only.'),
  }),
  [core('PodSecurityContext')]: obj('Security settings shared by all containers of a pod.', {
    ...shared,
    fsGroup: int64('Supplementary group added to all containers; supported volumes are made group-owned by it.'),
    fsGroupChangePolicy: oneOf('When volume ownership is changed to fsGroup: OnRootMismatch or Always.', ['Always', 'OnRootMismatch']),
    seLinuxChangePolicy: str('How the SELinux label is applied to volumes: Recursive or MountOption.'),
    supplementalGroups: arr64('Extra GIDs for the first process of every container.'),
    supplementalGroupsPolicy: oneOf('How supplemental groups are computed: Merge (with the image /etc/group) or Strict.', ['Merge', 'Strict']),
    sysctls: arrOf(core('Sysctl'), 'Namespaced kernel parameters to set for the pod.', { listType: 'atomic' }),
  }),
  [core('Capabilities')]: obj('Linux capabilities, named without the CAP_ prefix.', {
    add: strs('Capabilities to add.'),
    drop: strs('Capabilities to drop (e.g. ALL).'),
  }),
  [core('SELinuxOptions')]: obj('An SELinux label.', {
    level: str('SELinux level.'),
    role: str('SELinux role.'),
    type: str('SELinux type.'),
    user: str('SELinux user.'),
  }),
  [core('SeccompProfile')]: obj(
    'A seccomp profile.',
    {
      localhostProfile: str('Path of a profile on the node, relative to the kubelet seccomp directory. Only with type Localhost.'),
      type: oneOf('RuntimeDefault, Unconfined or Localhost.', ['Localhost', 'RuntimeDefault', 'Unconfined']),
    },
    { required: ['type'] },
  ),
  [core('AppArmorProfile')]: obj(
    'An AppArmor profile.',
    {
      localhostProfile: str('Name of a profile loaded on the node. Only with type Localhost.'),
      type: oneOf('RuntimeDefault, Unconfined or Localhost.', ['Localhost', 'RuntimeDefault', 'Unconfined']),
    },
    { required: ['type'] },
  ),
  [core('WindowsSecurityContextOptions')]: obj('Windows-only security settings.', {
    gmsaCredentialSpec: str('Content of the GMSA credential spec to use.'),
    gmsaCredentialSpecName: str('Name of the GMSA credential spec to use.'),
    hostProcess: bool('Run as a Windows HostProcess container.'),
    runAsUserName: str('User name to run the entrypoint as.'),
  }),
  [core('Sysctl')]: obj('One kernel parameter.', { name: str('Parameter name.'), value: str('Value to set.') }, { required: ['name', 'value'] }),
};

function arr64(d: string): Schema {
  return { type: 'array', description: d, items: { type: 'integer', format: 'int64', default: 0 }, 'x-kubernetes-list-type': 'atomic' };
}
