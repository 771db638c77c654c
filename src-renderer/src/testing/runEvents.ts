// Training events for store and component tests of the Train and Compare screens: a step, a diagnostics event with
// gradient flow through time, and a run's worth of them. Shapes as the trainer (workers/engine/trainer.ts) sends them.

import type { DiagnosticsEvent, StepEvent, TrainingEvent } from '../../../src-shared/events';

export function stepEvent(step: number, over: Partial<StepEvent> = {}): StepEvent {
  return { type: 'step', step, loss: 3 / step, learningRate: 1e-3, gradNorm: 2, gradNormClipped: 2, clipped: false, tokensPerSecond: 5000, seconds: step / 10, ...over };
}

/** One LSTM layer: ‖∂L/∂h_t‖ growing by 10× per time step towards the end of the sequence (vanishing to the left). */
export function diagnosticsEvent(step: number, T = 8): DiagnosticsEvent {
  const gates = ['i', 'f', 'g', 'o'];
  return {
    type: 'diagnostics',
    step,
    tensorNorms: [
      { name: 'embed', norm: 0.1 },
      { name: 'l0.Wx', norm: 0.5 },
      { name: 'l0.Wh', norm: 0.25 },
      { name: 'head.Wy', norm: 1.5 },
    ],
    gateGradNorms: gates.map((gate, g) => ({ stack: 'enc' as const, layer: 0, direction: 0, gate, norm: 0.1 * (g + 1) })),
    gradientFlow: [{ stack: 'enc', layer: 0, direction: 0, norms: Array.from({ length: T }, (_, t) => 10 ** (t - T)) }],
    gates: gates.map((gate) => ({ stack: 'enc' as const, layer: 0, direction: 0, gate, mean: 0.5, saturated: 0.1 })),
  };
}

/** A short run: `steps` steps, an evaluation every 10 and diagnostics every 5. */
export function runEvents(steps: number): TrainingEvent[] {
  const events: TrainingEvent[] = [];
  for (let i = 1; i <= steps; i++) {
    events.push(stepEvent(i, { clipped: i % 4 === 0, gradNormClipped: i % 4 === 0 ? 1 : 2 }));
    if (i % 5 === 0) events.push(diagnosticsEvent(i));
    if (i % 10 === 0) events.push({ type: 'evaluation', step: i, valLoss: 2 / i, metrics: { accuracy: Math.min(0.9, i / 100) } });
  }
  return events;
}
