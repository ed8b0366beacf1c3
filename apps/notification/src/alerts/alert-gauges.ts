import { Inject, Injectable, Optional } from '@nestjs/common';
import { METRICS, ServiceMetrics } from '@closeloop/runtime';
import { AlertsRepository } from './alerts.repository';

/** closeloop_alerts_open, read from the alerts at scrape time. */
@Injectable()
export class AlertGauges {
  constructor(alerts: AlertsRepository, @Optional() @Inject(METRICS) metrics?: ServiceMetrics) {
    metrics?.sample('closeloop_alerts_open', async () =>
      (await alerts.countOpenByLevel()).map(({ level, count }) => ({ labels: { level: String(level) }, value: count })),
    );
  }
}
