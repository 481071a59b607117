#!/usr/bin/env node
// The `jit` command: loads the TypeScript CLI through tsx, as the server runs.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
