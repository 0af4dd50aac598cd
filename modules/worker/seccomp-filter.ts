import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetupError } from '../../common/errors';

/**
 * The seccomp filter every function runs under, in the spirit of Docker's default profile:
 * everything is allowed except the syscalls that administer the kernel, inspect or enter
 * other processes, or open new namespaces; those fail with EPERM, so an interpreter that
 * probes them (and most do not) sees an ordinary "not permitted". Only the native ABI is
 * allowed: a 32-bit or x32 syscall kills the process (libseccomp's bad-arch action), so the
 * compat table cannot be used to get around the list.
 *
 * The filter is compiled once per worker process with libseccomp's Python binding (Debian's
 * python3-seccomp, against the system CPython) into a private folder, and bwrap loads it
 * with `--seccomp FD`.
 */

/** Denied with EPERM. Names unknown to this architecture (vm86 on x86_64…) are skipped. */
export const DENIED_SYSCALLS = [
  // kernel administration
  'acct', 'bpf', 'clock_adjtime', 'clock_settime', 'settimeofday', 'stime', 'create_module', 'delete_module',
  'finit_module', 'init_module', 'get_kernel_syms', 'query_module', 'kexec_file_load', 'kexec_load', 'reboot',
  'swapon', 'swapoff', 'syslog', 'sysfs', '_sysctl', 'uselib', 'ustat', 'nfsservctl', 'lookup_dcookie',
  'iopl', 'ioperm', 'vm86', 'vm86old', 'quotactl', 'quotactl_fd', 'perf_event_open', 'fanotify_init',
  // keys
  'add_key', 'keyctl', 'request_key',
  // file systems and namespaces
  'mount', 'umount', 'umount2', 'pivot_root', 'chroot', 'mount_setattr', 'move_mount', 'open_tree', 'fsopen', 'fsconfig',
  'fsmount', 'fspick', 'unshare', 'setns', 'name_to_handle_at', 'open_by_handle_at',
  // other processes' memory and descriptors
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'kcmp', 'pidfd_getfd',
  // memory-management tricks used by kernel exploits
  'userfaultfd', 'move_pages', 'mbind', 'set_mempolicy', 'migrate_pages',
  // io_uring bypasses seccomp for the operations it performs (Docker blocks it too)
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
];

const CLONE_NEWUSER = 0x10000000;
/** personality() values a process may set: PER_LINUX, with UNAME26 (0x0020000) and/or PER_LINUX32 (0x0008); anything else (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC…) is denied. */
const PERSONALITY_ALLOWED_BITS = 0x0020008;

const GENERATOR = `
import errno, sys
try:
    import seccomp
except ImportError:
    sys.exit(3)
denied, clone_newuser, allowed_bits, out = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
f = seccomp.SyscallFilter(seccomp.ALLOW)
eperm = seccomp.ERRNO(errno.EPERM)
for name in denied:
    try:
        f.add_rule(eperm, name)
    except (RuntimeError, ValueError, OSError):
        pass  # not a syscall on this architecture
# clone() may not make a user namespace; clone3 passes its flags in memory seccomp cannot
# read, so it answers ENOSYS and libc falls back to clone().
f.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, clone_newuser, clone_newuser))
f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
for bit in range(32):
    if not allowed_bits & (1 << bit):
        f.add_rule(eperm, "personality", seccomp.Arg(0, seccomp.MASKED_EQ, 1 << bit, 1 << bit))
with open(out, "wb") as target:
    f.export_bpf(target)
`;

const SYSTEM_PYTHON = '/usr/bin/python3';

let compiled: string | undefined;

/**
 * Path of the compiled BPF program (made on first call). Throws SetupError when
 * libseccomp's Python binding is missing: functions never start without the filter.
 */
export function seccompFilterPath(): string {
  if (compiled && existsSync(compiled)) return compiled;
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pyfaas-seccomp-')), 'filter.bpf');
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', GENERATOR, DENIED_SYSCALLS.join(','), String(CLONE_NEWUSER), String(PERSONALITY_ALLOWED_BITS), file], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: '/usr/bin:/bin' },
      timeout: 30_000,
    });
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 3) throw new SetupError('The sandbox needs libseccomp\'s Python binding: install Debian\'s python3-seccomp package (pyfaas provisions it on first start).');
    throw new SetupError(`The sandbox's seccomp filter could not be compiled: ${(err as Error).message}`);
  }
  compiled = file;
  return file;
}
