export { createSystemActivities, type SystemActivities, type WorkerDescription } from './system';
