/**
 * commander, required as the CommonJS package it is. Its ES module entry only re-exports the CommonJS
 * one, and importing CommonJS from an ES module makes Node parse it for export names first: about 5 ms
 * of every start, `--version` included.
 */
import { createRequire } from 'node:module';
import type * as commander from 'commander';

const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof commander;

type Command = commander.Command;
type CommanderError = commander.CommanderError;
type Option = commander.Option;

export { Command, CommanderError, Option };
