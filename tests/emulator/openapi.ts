import type { EmulatedModel } from './catalogue.js';

/** The endpoint's OpenAPI 3.0 document, shaped like fal's `expand=openapi-3.0`. */
export function openApiFor(model: EmulatedModel): Record<string, unknown> {
  const id = model.endpoint_id;
  const base = id.split('/').slice(0, 2).join('/');
  return {
    openapi: '3.0.4',
    info: {
      title: model.metadata.display_name,
      version: '1.0.0',
      'x-fal-metadata': { endpointId: id, category: model.metadata.category },
    },
    servers: [{ url: 'https://queue.fal.run' }],
    paths: {
      [`/${id}`]: {
        post: {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Input' } } },
          },
          responses: {
            '200': {
              description: 'The request status.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/QueueStatus' } } },
            },
          },
        },
      },
      [`/${base}/requests/{request_id}`]: {
        get: {
          parameters: [{ name: 'request_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'Result of the request.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Output' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Input: { ...model.input_schema, title: 'Input' },
        Output: { ...model.output_schema, title: 'Output' },
        QueueStatus: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED'] },
            request_id: { type: 'string' },
          },
          required: ['status', 'request_id'],
        },
      },
    },
  };
}
