import {
  type ReadResourceResult,
  type ReadResourceTemplateCallback,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import type { Services } from '../services.js';

export const MODEL_CARD_TEMPLATE = 'fal://models/{+endpoint_id}';

export interface ResourceEntry {
  name: string;
  template: ResourceTemplate;
  metadata: { title: string; description: string; mimeType: string };
  read: ReadResourceTemplateCallback;
}

/**
 * `fal://models/{endpoint_id}`: a model card (metadata, aliases, input/output
 * summary) for clients that browse resources. `{+…}` lets the id keep its slashes.
 */
export function modelCardResource(services: Services): ResourceEntry {
  const template = new ResourceTemplate(MODEL_CARD_TEMPLATE, {
    list: undefined,
    complete: {
      endpoint_id: async (value) => {
        const catalogue = await services.registry.catalogue();
        const prefix = value.toLowerCase();
        return catalogue.list
          .filter((m) => m.id.toLowerCase().startsWith(prefix))
          .slice(0, 50)
          .map((m) => m.id);
      },
    },
  });
  const read: ReadResourceTemplateCallback = async (uri, variables): Promise<ReadResourceResult> => {
    const raw = variables.endpoint_id;
    const id = decodeURIComponent(Array.isArray(raw) ? raw.join('/') : (raw ?? ''));
    const catalogue = await services.registry.catalogue();
    // Schemas are public: read with the shared key, so cards are cached for everyone.
    const { schema, note } = await services.schemas.get(id, undefined);
    const card = {
      id: schema.id,
      name: schema.model.name,
      category: schema.model.category,
      description: schema.model.description,
      status: schema.model.status,
      tags: schema.model.tags,
      family: schema.model.groupLabel ?? null,
      aliases: catalogue.aliasesById.get(schema.id) ?? [],
      model_url: schema.model.modelUrl ?? null,
      thumbnail_url: schema.model.thumbnailUrl ?? null,
      inputs: schema.summary,
      ...(note ? { note } : {}),
    };
    return {
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(card, null, 2) }],
    };
  };
  return {
    name: 'model-card',
    template,
    metadata: {
      title: 'fal model card',
      description:
        "A fal model's metadata, aliases and input/output summary, e.g. fal://models/fal-ai/flux/dev.",
      mimeType: 'application/json',
    },
    read,
  };
}
