// The bench-generate job (`seqstudio bench --generate`): greedy text generation of benchmark-shaped models in our
// engine beside onnxruntime-node on their --streaming export, and greedy and beam decoding of encoder–decoder
// shapes beside onnxruntime on their encoder and one-step decoder graphs, timed, and the token sequences compared.

import { InputError } from '../../src-shared/errors';
import { BENCH_CONFIGS } from '../engine/bench';
import { benchGenerate, benchGenerateEncDec, GENERATE_ENCDEC_CONFIGS } from '../export/bench-generate';
import type { StartGenerateBench } from '../protocol';
import { yieldToMessages, type JobContext } from './context';

/** Generation speed of each configuration, ours beside onnxruntime (export/bench-generate.ts), one event each. */
export async function benchGenerateJob(req: StartGenerateBench, ctx: JobContext): Promise<void> {
  const { exports, variant } = ctx.kernels();
  for (const name of req.configs) {
    const c = BENCH_CONFIGS.find((x) => x.name === name);
    const ed = GENERATE_ENCDEC_CONFIGS.find((x) => x.name === name);
    if (!c && !ed) throw new InputError(`no benchmark configuration "${name}" (have ${[...BENCH_CONFIGS, ...GENERATE_ENCDEC_CONFIGS].map((x) => x.name).join(', ')})`);
    const r = ed ? await benchGenerateEncDec(exports, ed, { sentences: req.sentences, repeats: req.repeats }) : await benchGenerate(exports, c!, { tokens: req.tokens, repeats: req.repeats });
    ctx.post({ type: 'bench-generate-result', kernels: variant, ...r });
    await yieldToMessages();
    if (ctx.steering.stopRequested) break;
  }
}
