// A module resolve hook for tests: prints every module the process imports, one "import URL" line on stderr.
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process.stderr.write(`import ${result.url}\n`);
  return result;
}
