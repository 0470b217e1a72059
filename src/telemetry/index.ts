/** Live training telemetry: the event schema, statistics and sinks. */
export * from './events.ts';
