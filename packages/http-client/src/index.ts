export { type JsonResponse, type PostOptions, postJson, UnreachableError } from './post-json';
