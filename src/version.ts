import { readFileSync } from 'node:fs';
import { projectFile } from './paths.js';

const pkg = JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as {
  name: string;
  version: string;
};

export const SERVER_NAME = pkg.name;
export const SERVER_VERSION = pkg.version;
