import type { RegisterCommand } from '../program.js';
import { registerShow } from './show.js';

/** Every command, in the order `netaudit --help` lists them. Each module registers one command. */
export const COMMANDS: RegisterCommand[] = [
  registerShow,
];
