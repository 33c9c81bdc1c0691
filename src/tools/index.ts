import { cancelJobTool } from './cancel-job.js';
import { checkJobTool } from './check-job.js';
import type { AnyTool } from './define-tool.js';
import { deletePayloadsTool } from './delete-payloads.js';
import { editImageTool } from './edit-image.js';
import { estimateCostTool } from './estimate-cost.js';
import { generateAudioTool } from './generate-audio.js';
import { generateImageTool } from './generate-image.js';
import { generateSpeechTool } from './generate-speech.js';
import { generateVideoTool } from './generate-video.js';
import { getAccountTool } from './get-account.js';
import { getModelSchemaTool } from './get-model-schema.js';
import { getPricingTool } from './get-pricing.js';
import { getUsageTool } from './get-usage.js';
import { listJobsTool } from './list-jobs.js';
import { listModelsTool } from './list-models.js';
import { recommendModelTool } from './recommend-model.js';
import { runModelTool } from './run-model.js';
import { searchModelsTool } from './search-models.js';
import { submitJobTool } from './submit-job.js';
import { transcribeAudioTool } from './transcribe-audio.js';
import { uploadFileTool } from './upload-file.js';

/** Every tool the server offers, in the order agents see them (each keeping its name and output type). */
export const ALL_TOOLS = [
  searchModelsTool,
  recommendModelTool,
  listModelsTool,
  getModelSchemaTool,
  getPricingTool,
  estimateCostTool,
  getAccountTool,
  getUsageTool,
  runModelTool,
  submitJobTool,
  checkJobTool,
  listJobsTool,
  cancelJobTool,
  deletePayloadsTool,
  uploadFileTool,
  generateImageTool,
  editImageTool,
  generateVideoTool,
  generateAudioTool,
  generateSpeechTool,
  transcribeAudioTool,
] as const satisfies readonly AnyTool[];
