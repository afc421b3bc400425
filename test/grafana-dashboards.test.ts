// The Grafana dashboards in grafana/dashboards are valid, self-consistent dashboard JSON that
// Grafana can provision as-is: unique ids, a sane grid, every query aimed at the provisioned
// Prometheus datasource, units on every value panel, SLO thresholds where the README promises them.
// No Grafana or Prometheus is needed: this only reads the files.
import { readFile, readdir } from 'node:fs/promises';
import { expect } from 'chai';

const dashboardsDir = new URL('../grafana/dashboards/', import.meta.url);
const datasourceFile = new URL('../grafana/provisioning/datasources/prometheus.yaml', import.meta.url);
const providerFile = new URL('../grafana/provisioning/dashboards/treasure.yaml', import.meta.url);

const DATASOURCE_UID = 'prometheus';
const VALUE_PANELS = new Set(['timeseries', 'stat', 'gauge', 'bargauge']);

interface GridPos { x: unknown; y: unknown; w: unknown; h: unknown }
interface DatasourceRef { type?: unknown; uid?: unknown }
interface Target { refId?: string; expr?: unknown; datasource?: DatasourceRef | string | null }
interface Panel {
  id?: unknown;
  type?: string;
  title?: string;
  gridPos?: GridPos;
  datasource?: DatasourceRef | string | null;
  targets?: Target[];
  panels?: Panel[];
  collapsed?: boolean;
  fieldConfig?: {
    defaults?: {
      unit?: unknown;
      thresholds?: { mode?: string; steps?: { color?: string; value?: number | null }[] };
    };
  };
}
interface TemplateVariable { name?: string; type?: string; datasource?: DatasourceRef | string | null; query?: unknown; definition?: unknown; multi?: boolean; includeAll?: boolean }
interface Dashboard {
  uid?: unknown;
  title?: unknown;
  schemaVersion?: unknown;
  panels?: Panel[];
  templating?: { list?: TemplateVariable[] };
}

const files = (await readdir(dashboardsDir)).filter((f) => f.endsWith('.json')).sort();
const texts = new Map<string, string>();
for (const file of files) texts.set(file, await readFile(new URL(file, dashboardsDir), 'utf8'));

function parse(file: string): Dashboard {
  return JSON.parse(texts.get(file) ?? '') as Dashboard;
}

/** Every panel, including those nested in (collapsed) rows. */
function allPanels(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  for (const panel of dashboard.panels ?? []) {
    out.push(panel);
    for (const nested of panel.panels ?? []) out.push(nested);
  }
  return out;
}

/** Groups of panels laid out together: the top level, then each row's nested panels. */
function layers(dashboard: Dashboard): Panel[][] {
  const top = dashboard.panels ?? [];
  return [top, ...top.filter((p) => (p.panels ?? []).length > 0).map((p) => p.panels ?? [])];
}

const isRow = (panel: Panel) => panel.type === 'row';
const label = (panel: Panel) => `panel ${String(panel.id)} "${panel.title ?? ''}"`;

function expectDatasourceRef(ref: DatasourceRef | string | null | undefined, what: string): void {
  expect(ref, `${what} names its datasource`).to.be.an('object');
  const { type, uid } = ref as DatasourceRef;
  expect(type, `${what} datasource type`).to.equal('prometheus');
  expect([DATASOURCE_UID, '${datasource}'], `${what} datasource uid`).to.include(uid);
}

function overlaps(a: GridPos, b: GridPos): boolean {
  const [ax, ay, aw, ah, bx, by, bw, bh] = [a.x, a.y, a.w, a.h, b.x, b.y, b.w, b.h] as number[];
  return ax! < bx! + bw! && bx! < ax! + aw! && ay! < by! + bh! && by! < ay! + ah!;
}

describe('grafana dashboards', () => {
  it('the dashboards folder holds the overview and hunts dashboards', () => {
    expect(files).to.include.members(['treasure-overview.json', 'treasure-hunts.json']);
  });

  it('every dashboard has a unique, non-empty uid and a title', () => {
    const uids = files.map((file) => parse(file).uid);
    for (const [i, uid] of uids.entries()) {
      expect(uid, `${files[i]} uid`).to.be.a('string').and.not.equal('');
      expect(parse(files[i]!).title, `${files[i]} title`).to.be.a('string').and.not.equal('');
    }
    expect(new Set(uids).size, 'dashboard uids are unique').to.equal(uids.length);
    expect(uids).to.include.members(['treasure-overview', 'treasure-hunts']);
  });

  it('the provisioned datasource has the uid that the dashboards reference', async () => {
    const yaml = await readFile(datasourceFile, 'utf8');
    const uids = [...yaml.matchAll(/^\s*uid:\s*["']?([^"'\s#]+)["']?\s*(?:#.*)?$/gm)].map((m) => m[1]);
    expect(uids, 'datasource uids in provisioning/datasources/prometheus.yaml').to.deep.equal([DATASOURCE_UID]);
    expect(yaml).to.match(/^\s*type:\s*prometheus\s*$/m);
    expect(yaml).to.match(/^\s*url:\s*\$\{PROMETHEUS_URL\}\s*$/m);
    expect(yaml).to.match(/^\s*isDefault:\s*true\s*$/m);
  });

  it('the dashboard provider loads a file path into the "Treasure Hunt Engine" folder', async () => {
    const yaml = await readFile(providerFile, 'utf8');
    expect(yaml).to.match(/^\s*type:\s*file\s*$/m);
    expect(yaml).to.match(/^\s*folder:\s*["']?Treasure Hunt Engine["']?\s*$/m);
    expect(yaml).to.match(/^\s*path:\s*\/\S+\s*$/m);
  });

  for (const file of files) {
    describe(file, () => {
      it(`${file} is valid JSON with schemaVersion >= 36`, () => {
        const dashboard = parse(file);
        expect(dashboard.schemaVersion).to.be.a('number').and.at.least(36);
        expect(dashboard.panels).to.be.an('array').that.is.not.empty;
      });

      it(`every panel of ${file} has a unique integer id`, () => {
        const ids = allPanels(parse(file)).map((p) => p.id);
        for (const id of ids) expect(Number.isInteger(id), `id ${String(id)} is an integer`).to.equal(true);
        const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
        expect(duplicates, 'duplicate panel ids').to.deep.equal([]);
      });

      it(`every panel and query of ${file} uses the provisioned Prometheus datasource`, () => {
        for (const panel of allPanels(parse(file))) {
          if (isRow(panel)) continue;
          expectDatasourceRef(panel.datasource, label(panel));
          for (const target of panel.targets ?? []) {
            expectDatasourceRef(target.datasource, `${label(panel)} target ${target.refId ?? '?'}`);
          }
        }
      });

      it(`every query variable of ${file} uses the provisioned Prometheus datasource`, () => {
        for (const variable of parse(file).templating?.list ?? []) {
          if (variable.type === 'query') expectDatasourceRef(variable.datasource, `variable ${variable.name ?? '?'}`);
        }
      });

      it(`every non-row panel of ${file} has a query with an expression`, () => {
        for (const panel of allPanels(parse(file))) {
          if (isRow(panel)) continue;
          const exprs = (panel.targets ?? []).map((t) => t.expr);
          expect(exprs, `${label(panel)} targets`).to.not.be.empty;
          for (const expr of exprs) expect(expr, `${label(panel)} expr`).to.be.a('string').and.match(/\S/);
        }
      });

      // That these metrics exist and return data is checked against a running engine and a real
      // Prometheus in observability.test.ts.
      it(`every query of ${file} names a metric of the engine`, () => {
        for (const panel of allPanels(parse(file))) {
          for (const target of panel.targets ?? []) {
            const names = String(target.expr).match(/\b(?:treasure|process|nodejs)_[a-z0-9_]+\b/g) ?? [];
            expect(names, `${label(panel)} names a metric`).to.not.be.empty;
          }
        }
      });

      it(`every panel of ${file} sits on the 24-column grid without overlapping another`, () => {
        for (const layer of layers(parse(file))) {
          for (const panel of layer) {
            const pos = panel.gridPos;
            expect(pos, `${label(panel)} gridPos`).to.be.an('object');
            for (const key of ['x', 'y', 'w', 'h'] as const) {
              expect(Number.isInteger(pos![key]), `${label(panel)} gridPos.${key} is an integer`).to.equal(true);
            }
            const { x, y, w, h } = pos as { x: number; y: number; w: number; h: number };
            expect(x, `${label(panel)} x`).to.be.at.least(0);
            expect(y, `${label(panel)} y`).to.be.at.least(0);
            expect(w, `${label(panel)} w`).to.be.at.least(1);
            expect(h, `${label(panel)} h`).to.be.at.least(1);
            expect(x + w, `${label(panel)} x + w`).to.be.at.most(24);
          }
          for (const [i, a] of layer.entries()) {
            for (const b of layer.slice(i + 1)) {
              expect(overlaps(a.gridPos!, b.gridPos!), `${label(a)} overlaps ${label(b)}`).to.equal(false);
            }
          }
        }
      });

      it(`every value panel of ${file} declares a unit`, () => {
        for (const panel of allPanels(parse(file))) {
          if (!VALUE_PANELS.has(panel.type ?? '')) continue;
          expect(panel.fieldConfig?.defaults?.unit, `${label(panel)} unit`).to.be.a('string').and.not.equal('');
        }
      });
    });
  }

  it('the staleness and error-ratio panels carry their SLO thresholds', () => {
    const panels = allPanels(parse('treasure-overview.json'));
    const thresholdValues = (panel: Panel) =>
      (panel.fieldConfig?.defaults?.thresholds?.steps ?? []).map((s) => s.value).filter((v) => typeof v === 'number');
    const uses = (panel: Panel, metric: string) => (panel.targets ?? []).some((t) => String(t.expr).includes(metric));

    const staleness = panels.filter((p) => uses(p, 'treasure_snapshot_staleness_seconds'));
    expect(staleness, 'panels showing staleness').to.not.be.empty;
    for (const panel of staleness) {
      const values = thresholdValues(panel);
      expect(values.some((v) => v === 0.1 || v === 0.5), `${label(panel)} thresholds ${values.join(',')}`).to.equal(true);
    }
    const combined = staleness.find((p) => p.type === 'timeseries');
    expect(thresholdValues(combined!), 'staleness timeseries shows both SLOs').to.include.members([0.1, 0.5]);

    const errorRatio = panels.filter((p) => uses(p, 'treasure_http_responses_total{class="5xx"}'));
    expect(errorRatio, 'panels showing the 5xx ratio').to.not.be.empty;
    for (const panel of errorRatio) {
      expect(thresholdValues(panel), `${label(panel)} thresholds`).to.include(0.01);
      expect(panel.fieldConfig?.defaults?.unit, `${label(panel)} unit`).to.equal('percentunit');
    }
  });

  it('the hunts dashboard offers a multi-select hunt variable and filters every query by it', () => {
    const dashboard = parse('treasure-hunts.json');
    const hunt = (dashboard.templating?.list ?? []).find((v) => v.name === 'hunt');
    expect(hunt, 'variable hunt').to.not.equal(undefined);
    expect(hunt!.type).to.equal('query');
    expect(hunt!.multi, 'multi').to.equal(true);
    expect(hunt!.includeAll, 'includeAll').to.equal(true);
    const query = typeof hunt!.query === 'string' ? hunt!.query : (hunt!.query as { query?: unknown }).query;
    // From the worker's gauge, which lists exactly the live hunts (counters keep ended hunts).
    expect(query).to.equal('label_values(treasure_hunt_active_players, hunt)');
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        const selectors = String(target.expr).match(/treasure_hunt_[a-z_]+(\{[^}]*\})?/g) ?? [];
        expect(selectors, `${label(panel)} queries a per-hunt metric`).to.not.be.empty;
        for (const selector of selectors) expect(selector, `${label(panel)}`).to.include('hunt=~"$hunt"');
      }
    }
  });
});
