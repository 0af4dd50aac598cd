import { processAlive } from '../common/process-alive';
import { readServicesStatus, servicesStatusPath, type ServicesStatusFile, type ServiceStatus } from '../infra/services/supervised-status';
import { CheckOutcome, type Check } from './readiness';

/** States in which a service has no live process: the stack is not whole. */
const DOWN = new Set<ServiceStatus['state']>(['restarting', 'failed', 'stopping', 'stopped']);

/**
 * The readiness check of a process `pyfaas up` supervises: `{ services: … }` when the
 * supervisor's status file exists and its supervisor is alive at boot, `{}` otherwise (a
 * process run on its own, or a file left by a supervisor that died). The check reports each
 * service's state, restarts and last exit, and fails while one is down or when the
 * supervisor is gone.
 */
export function supervisedServicesChecks(dataDir: string): Record<string, Check> {
  let atBoot: ServicesStatusFile | undefined;
  try {
    atBoot = readServicesStatus(dataDir);
  } catch {
    return {};
  }
  if (!atBoot || !processAlive(atBoot.supervisorPid)) return {};
  return { services: async () => servicesOutcome(dataDir) };
}

export function servicesOutcome(dataDir: string): CheckOutcome {
  const status = readServicesStatus(dataDir);
  if (!status) throw new Error(`the supervisor's status file ${servicesStatusPath(dataDir)} is gone`);
  const detail = Object.fromEntries(status.services.map(({ name, ...service }) => [name, service]));
  if (!processAlive(status.supervisorPid)) return new CheckOutcome(detail, `the supervisor (pid ${status.supervisorPid}) is not running; nothing restarts a service that dies`);
  const down = status.services.filter((service) => DOWN.has(service.state));
  if (down.length === 0) return new CheckOutcome(detail);
  return new CheckOutcome(detail, down.map(describeDown).join('; '));
}

function describeDown(service: ServiceStatus): string {
  const last = service.lastExit ? ` (last exit: ${service.lastExit.reason})` : '';
  if (service.state === 'restarting') {
    const inMs = service.nextStartAt ? Math.max(0, Date.parse(service.nextStartAt) - Date.now()) : 0;
    return `${service.name} is restarting, next start in ${(inMs / 1000).toFixed(1)} s${last}`;
  }
  return `${service.name} is ${service.state}${last}`;
}
