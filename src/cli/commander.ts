/**
 * commander, required as the CommonJS package it is. Its ES module entry only re-exports the CommonJS
 * one, and importing CommonJS from an ES module makes Node parse it for export names first: about 5 ms
 * of every start, `--version` included. The bundle (src/build/bundle.ts) turns this into a plain require(), so
 * that commander is bundled and code-cached with the rest.
 */
import { createRequire } from 'node:module';
import type * as commander from 'commander';

const { Command, CommanderError, InvalidArgumentError, Option } = createRequire(import.meta.url)('commander') as typeof commander;

type Command = commander.Command;
type CommanderError = commander.CommanderError;
type InvalidArgumentError = commander.InvalidArgumentError;
type Option = commander.Option;

export { Command, CommanderError, InvalidArgumentError, Option };
