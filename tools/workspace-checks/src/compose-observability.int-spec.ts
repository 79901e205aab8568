// Prometheus and Grafana in docker-compose.yml, checked without running them (see compose-config.ts):
// Prometheus scrapes /metrics of every service compose runs, on its compose hostname and PORT;
// Grafana gets the Prometheus datasource and the dashboard from files in the repo, mounted
// read-only; and every query of the dashboard names metrics and labels the code really registers
// (scanned from services/ and libs/), while every gpux_ metric the code registers has a panel.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { composeConfig, type ComposeConfig, type ComposeService, root, yamlToJson } from './compose-config';
import {
  metricNameLiterals,
  metricRegistrations,
  type MetricRegistration,
  seriesNames,
} from './metric-registrations';

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: { targets?: string[] }[];
}
interface Datasource {
  uid?: string;
  type?: string;
  url?: string;
}
interface DashboardProvider {
  type?: string;
  options?: { path?: string };
}
interface Panel {
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

// Labels Prometheus or prom-client put on every series: the histogram bucket bound, the target's
// job and address, and the registry's default `service` (libs/platform/src/lib/metrics.ts).
const COMMON_LABELS = ['le', 'job', 'instance', 'service'];

const readYaml = (file: string) => yamlToJson(readFileSync(file, 'utf8'));

/** A bind mount's host path (made absolute by docker-compose), its target and its mode. */
function mounts(s: ComposeService) {
  return (s.volumes ?? []).map((v) => {
    const [source = '', target = '', mode] = v.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

describe('docker-compose.yml: Prometheus and Grafana', () => {
  let config: ComposeConfig;
  const service = (name: string): ComposeService => {
    const found = config.services[name];
    if (!found) throw new Error(`service ${name} is not in docker-compose.yml`);
    return found;
  };
  /** The services that serve /metrics: every NestJS service, known by the PORT compose gives it. */
  const scraped = () =>
    Object.entries(config.services)
      .filter(([, s]) => s.environment?.['PORT'] !== undefined && s.environment['PORT'] !== null)
      .map(([name, s]) => `${name}:${String(s.environment?.['PORT'])}`)
      .sort();
  const mountOf = (name: string, target: string) => {
    const found = mounts(service(name)).find((m) => m.target === target);
    if (!found) throw new Error(`${name} mounts nothing at ${target}`);
    return found;
  };

  beforeAll(() => {
    config = composeConfig();
  });

  it('finds the services that serve /metrics: the gateway and the four services behind it', () => {
    expect(scraped()).toEqual(
      expect.arrayContaining(['gateway:4000', 'orders:4101', 'settlement:4103', 'capacity:4104']),
    );
  });

  describe('prometheus', () => {
    it('runs a pinned Prometheus with the repository config mounted read-only', () => {
      const prometheus = service('prometheus');
      expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
      const configFile = prometheus.command
        ?.find((arg) => arg.startsWith('--config.file='))
        ?.slice('--config.file='.length);
      expect(configFile).toBeDefined();
      const mount = mountOf('prometheus', String(configFile));
      expect(mount).toEqual({
        source: path.join(root, 'infra/observability/prometheus.yml'),
        target: configFile,
        readOnly: true,
      });
    });

    it('scrapes /metrics of every service compose runs, on its compose hostname and PORT', () => {
      const file = readYaml(path.join(root, 'infra/observability/prometheus.yml')) as {
        scrape_configs?: ScrapeConfig[];
      };
      const targets = (file.scrape_configs ?? [])
        .filter((job) => (job.metrics_path ?? '/metrics') === '/metrics')
        .flatMap((job) => (job.static_configs ?? []).flatMap((c) => c.targets ?? []))
        .sort();
      expect(targets).toEqual(scraped());
    });

    it('starts after the services it scrapes', () => {
      const dependsOn = Object.keys(service('prometheus').depends_on ?? {});
      for (const target of scraped())
        expect({ target, dependsOn }).toEqual({
          target,
          dependsOn: expect.arrayContaining([target.split(':')[0]]),
        });
    });
  });

  describe('grafana', () => {
    it('runs a pinned Grafana, viewers anonymous, the admin password from GRAFANA_ADMIN_PASSWORD', () => {
      const grafana = service('grafana');
      expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
      const env = grafana.environment ?? {};
      expect(env['GF_AUTH_ANONYMOUS_ENABLED']).toBe('true');
      // Anonymous visitors view; nobody edits without signing in.
      expect(env['GF_AUTH_ANONYMOUS_ORG_ROLE']).toBe('Viewer');
      expect(String(env['GF_SECURITY_ADMIN_PASSWORD'])).not.toMatch(/^(admin)?$/);
      const raw = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
      expect(raw).toMatch(/GF_SECURITY_ADMIN_PASSWORD: \$\{GRAFANA_ADMIN_PASSWORD:-[^}]+\}/);
      expect(Object.keys(grafana.depends_on ?? {})).toContain('prometheus');
    });

    it('mounts the provisioning read-only: a Prometheus datasource on the compose service', () => {
      const provisioning = mountOf('grafana', '/etc/grafana/provisioning');
      expect(provisioning).toMatchObject({
        source: path.join(root, 'infra/observability/grafana/provisioning'),
        readOnly: true,
      });
      const dir = path.join(provisioning.source, 'datasources');
      const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
      expect(files.length).toBeGreaterThan(0);
      const datasources = files.flatMap(
        (f) => (readYaml(path.join(dir, f)) as { datasources?: Datasource[] }).datasources ?? [],
      );
      const prometheusPort = String(service('prometheus').ports?.[0]).split(':')[2]?.split('/')[0];
      expect(datasources).toContainEqual(
        expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${prometheusPort}` }),
      );
    });

    it('provisions the dashboards from the mounted folder of JSON in the repository', () => {
      const provisioning = mountOf('grafana', '/etc/grafana/provisioning');
      const dir = path.join(provisioning.source, 'dashboards');
      const providers = readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .flatMap((f) => (readYaml(path.join(dir, f)) as { providers?: DashboardProvider[] }).providers ?? []);
      expect(providers.length).toBeGreaterThan(0);
      for (const provider of providers) {
        expect(provider.type).toBe('file');
        const mount = mountOf('grafana', String(provider.options?.path));
        expect(mount.readOnly).toBe(true);
        expect(existsSync(path.join(mount.source, 'gpu-exchange.json'))).toBe(true);
      }
      // The home page is the dashboard, inside that mount.
      const home = String(service('grafana').environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']);
      const mount = mountOf('grafana', path.dirname(home));
      expect(existsSync(path.join(mount.source, path.basename(home)))).toBe(true);
    });
  });

  describe('the dashboard', () => {
    const dashboardFile = path.join(root, 'infra/observability/grafana/dashboards/gpu-exchange.json');
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid?: string; panels: Panel[] };
    const panels = allPanels(dashboard.panels);
    const queries = panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        panel: p.title,
        expr: String(t.expr),
        uid: t.datasource?.uid ?? p.datasource?.uid,
      })),
    );
    const registered = metricRegistrations(root, ['services', 'libs']);
    const series = new Map<string, MetricRegistration>(
      [...registered.values()].flatMap((m) =>
        seriesNames(m).map((s): [string, MetricRegistration] => [s, m]),
      ),
    );
    const metricsIn = (expr: string) => [...new Set(expr.match(/\bgpux_\w+/g) ?? [])];

    it('has a query on every panel but the rows, all on the provisioned Prometheus datasource', () => {
      const datasourceDir = path.join(root, 'infra/observability/grafana/provisioning/datasources');
      const uids = readdirSync(datasourceDir).flatMap((f) =>
        ((readYaml(path.join(datasourceDir, f)) as { datasources?: Datasource[] }).datasources ?? []).map(
          (d) => d.uid,
        ),
      );
      expect(queries.length).toBeGreaterThan(10);
      for (const p of panels.filter((p) => p.type !== 'row'))
        expect({ panel: p.title, empty: (p.targets ?? []).length === 0 }).toEqual({
          panel: p.title,
          empty: false,
        });
      expect(uids.length).toBeGreaterThan(0);
      for (const { panel, uid } of queries)
        expect({ panel, uid, provisioned: uids.includes(uid) }).toEqual({ panel, uid, provisioned: true });
    });

    it('scans the source for the metrics it registers', () => {
      // Every metric name in the source is seen as a registration, with its type and labels.
      expect([...registered.keys()].sort()).toEqual(metricNameLiterals(root, ['services', 'libs']));
      // A scanner that found nothing would let every query below pass.
      expect([...registered.keys()]).toEqual(
        expect.arrayContaining([
          'gpux_commands_total',
          'gpux_command_decision_seconds',
          'gpux_ledger_total_minor_units',
        ]),
      );
      expect(registered.get('gpux_command_decision_seconds')).toMatchObject({
        type: 'histogram',
        labels: ['command_type'],
      });
    });

    it('queries only series the code exposes (a histogram by its _bucket, _sum and _count)', () => {
      for (const { panel, expr } of queries)
        for (const name of metricsIn(expr))
          expect({ panel, name, exposed: series.has(name) }).toEqual({ panel, name, exposed: true });
    });

    it('groups and filters only by labels those metrics carry', () => {
      for (const { panel, expr } of queries) {
        const metrics = metricsIn(expr).map((name) => series.get(name));
        if (metrics.length === 0 || metrics.includes(undefined)) continue; // the test above says why
        const known = new Set([...COMMON_LABELS, ...metrics.flatMap((m) => m?.labels ?? [])]);
        const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
          (m[1] ?? '')
            .split(',')
            .map((l) => l.trim())
            .filter(Boolean),
        );
        const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) =>
          [...(m[1] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] as string),
        );
        for (const label of [...grouped, ...matched])
          expect({ panel, expr, label, known: known.has(label) }).toEqual({
            panel,
            expr,
            label,
            known: true,
          });
      }
    });

    it('takes quantiles of histogram buckets, grouped by le', () => {
      for (const { panel, expr } of queries.filter((q) => q.expr.includes('histogram_quantile'))) {
        expect({ panel, expr }).toEqual({
          panel,
          expr: expect.stringMatching(/by \(le\b[^)]*\) \(rate\(gpux_\w+_bucket\[/),
        });
      }
    });

    it('filters jobs by a job Prometheus has', () => {
      const file = readYaml(path.join(root, 'infra/observability/prometheus.yml')) as {
        scrape_configs?: ScrapeConfig[];
      };
      const jobs = (file.scrape_configs ?? []).map((j): string | undefined => j.job_name);
      for (const { panel, expr } of queries)
        for (const [, job] of expr.matchAll(/\bjob="([^"]*)"/g))
          expect({ panel, job, scraped: jobs.includes(job) }).toEqual({ panel, job, scraped: true });
    });

    it('shows every gpux_ metric the code registers', () => {
      const shown = new Set(queries.flatMap((q) => metricsIn(q.expr).map((name) => series.get(name)?.name)));
      for (const name of registered.keys())
        expect({ name, shown: shown.has(name) }).toEqual({ name, shown: true });
    });
  });
});
