/**
 * `gradstream/remote-write`: a run's series pushed to a Prometheus-compatible receiver with
 * the remote-write protocol (`prometheusRemoteWrite`), for runs on many processes and
 * machines. A subpath of its own so that the core does not load what it needs: install
 * protobufjs and snappyjs beside gradstream (`npm install protobufjs snappyjs`).
 *
 * @packageDocumentation
 */
export { prometheusRemoteWrite, type RemoteWriteOptions, type RemoteWriteSink } from './telemetry/remoteWrite/prometheusRemoteWrite.ts';
export type { RemoteWriteStats } from './telemetry/remoteWrite/sendQueue.ts';
