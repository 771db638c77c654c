// A stand-in for vue-echarts' <VChart> in component tests: happy-dom has no canvas, so ECharts cannot draw there.
// Named a stub on purpose: it renders the option's series (name and point count) as text for tests to read; the
// real drawing is checked in the browser by the Playwright story. Tests emit 'datazoom' on it as ECharts does when a
// person zooms. Use: `global: { stubs: VCHART_STUBS }`.

import { defineComponent, h, type PropType } from 'vue';

export const VChartStub = defineComponent({
  name: 'VChartStub',
  props: { option: { type: Object as PropType<{ series?: { name?: string; data?: unknown[] }[] }>, default: () => ({}) } },
  emits: ['datazoom'],
  setup(props) {
    return () =>
      h(
        'ul',
        { class: 'vchart-stub' },
        (props.option.series ?? []).map((s) => h('li', { 'data-series': s.name ?? '' }, `${s.name ?? ''}: ${s.data?.length ?? 0}`)),
      );
  },
});

/** vue-echarts registers itself as "Echarts"; the views import it as VChart. */
export const VCHART_STUBS = { VChart: VChartStub, Echarts: VChartStub };
