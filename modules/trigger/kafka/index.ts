/** The Kafka trigger's public face: the bridge, its contract, and the pure helpers. */
export { KafkaBridge, type KafkaBridgeOptions } from './bridge';
export * from './contract';
export { DEAD_LETTER_HEADERS, deadLetterMessage } from './dead-letter';
export { toRecordEvent, workflowIdFor, workflowIdPrefix, recordBytes, type ConsumedRecord, type DeadLetterReason } from './record-event';
export { createTemporalStarter, type PreparedStart, type TemporalStarterOptions } from './temporal-starter';
export { KafkaPublisher } from './publisher';
export { kafkaTrigger, kafkaSpecOf, type KafkaTriggerConfig } from './kind';
export { parseKafkaTrigger } from './trigger-spec';
