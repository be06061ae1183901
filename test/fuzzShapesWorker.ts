// Runs generated configurations for fuzzShapes.test.ts in a worker thread, one at a time, so the
// test can stop (and fail) a case that hangs: a synchronous loop cannot be interrupted otherwise.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeConfiguration } from '../server/src/analysis/analyze';
import { diskLoader } from '../server/src/model/loadFiles';
import { NixParser } from '../server/src/parse/nixParser';

// The test runner also loads every file under test/ as a test: outside a worker this does nothing.
if (parentPort) void run((workerData as { roots: string[] }).roots);

async function run(roots: string[]): Promise<void> {
  const parser = await NixParser.create();
  for (let index = 0; index < roots.length; index++) {
    const started = performance.now();
    try {
      const analysis = analyzeConfiguration(roots[index]!, diskLoader(parser), undefined);
      parentPort!.postMessage({
        index,
        ms: performance.now() - started,
        findings: analysis.findings.length,
        ruleFailures: analysis.ruleFailures.map((failure) => failure.code),
      });
    } catch (error) {
      parentPort!.postMessage({ index, ms: performance.now() - started, error: (error as Error).stack ?? String(error) });
    }
  }
}
