/**
 * Prometheus text exposition for the gateway: metric families built from plain counters at scrape
 * time, mergeable across `--workers` processes (values with equal labels are summed), rendered
 * without a client library on the request path.
 */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** `_bucket`, `_sum` or `_count` for histograms. */
  readonly suffix?: string;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: Sample[];
  /**
   * How `--workers` processes combine (default `sum`): `max` for facts every worker sees alike,
   * such as how many endpoints a service has.
   */
  readonly merge?: 'sum' | 'max';
}

/** Sums families from several processes: same name, same labels and suffix → one sample. */
export function mergeFamilies(sets: readonly (readonly MetricFamily[])[]): MetricFamily[] {
  const byName = new Map<string, { family: MetricFamily; index: Map<string, number> }>();
  for (const set of sets) {
    for (const family of set) {
      let entry = byName.get(family.name);
      if (entry === undefined) {
        entry = { family: { ...family, samples: [] }, index: new Map() };
        byName.set(family.name, entry);
      }
      for (const sample of family.samples) {
        const key = `${sample.suffix ?? ''}|${JSON.stringify(sample.labels)}`;
        const at = entry.index.get(key);
        if (at === undefined) {
          entry.index.set(key, entry.family.samples.length);
          entry.family.samples.push({ ...sample });
        } else {
          const prev = entry.family.samples[at]!;
          const value =
            family.merge === 'max' ? Math.max(prev.value, sample.value) : prev.value + sample.value;
          entry.family.samples[at] = { ...prev, value };
        }
      }
    }
  }
  return [...byName.values()].map((e) => e.family);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** Renders families in the Prometheus text format (version 0.0.4). */
export function renderFamilies(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    out += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
    for (const s of family.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      out += `${family.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
