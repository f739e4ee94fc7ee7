import type { RegisterCommand } from '../program.js';

/** Every command, in the order `netaudit --help` lists them. Each module registers one command. */
export const COMMANDS: RegisterCommand[] = [];
