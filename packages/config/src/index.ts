export { type CommonEnv, commonEnv, flagSource, labSecret } from './common-env';
export { ConfigError, parseEnv } from './env';
export {
  DEFAULT_AMQP_URL,
  DEFAULT_MYSQL_URL,
  DEFAULT_NAMESPACE,
  DEFAULT_PORTS,
  DEFAULT_REDIS_URL,
  databaseName,
  SCHEMA_OWNERS,
  type SchemaOwner,
  SERVICE_NAMES,
  type ServiceName,
  serverUrls,
} from './stack';
