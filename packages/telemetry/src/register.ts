/**
 * Preloaded with `node --require @incident-lab/telemetry/register`: OpenTelemetry must patch
 * express, mysql2, amqplib and fetch before the service loads them, or they are silently not traced.
 */
import { startTelemetry } from './sdk';

startTelemetry();
