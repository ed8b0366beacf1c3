import { Typography } from 'antd';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, type ReactNode } from 'react';
import type { ReportChart } from './chart-options';
import { VISUALLY_HIDDEN } from '../../components/visually-hidden';

// Only what the reports draw: bars on a grid, with a legend and a tooltip. Readers get the
// title as the canvas's label and the figures as a table beside it.
use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** A titled chart, and the same figures as a table for those who cannot see the canvas. */
export const ReportChartView = ({
  title,
  chart,
  extra,
  height = 280,
}: {
  title: string;
  chart: ReportChart;
  /** Beside the title: a download of the same figures. */
  extra?: ReactNode;
  height?: number;
}) => {
  const container = useRef<HTMLDivElement>(null);
  const instance = useRef<ECharts | undefined>(undefined);

  useEffect(() => {
    const element = container.current!;
    const drawn = init(element);
    instance.current = drawn;
    const resize = new ResizeObserver(() => drawn.resize());
    resize.observe(element);
    return () => {
      resize.disconnect();
      drawn.dispose();
      instance.current = undefined;
    };
  }, []);

  useEffect(() => {
    instance.current?.setOption(chart.option, { notMerge: true });
  }, [chart]);

  return (
    <figure style={{ margin: '16px 0 0' }}>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, justifyContent: 'space-between', alignItems: 'center' }}>
        <Typography.Title level={4} style={{ fontSize: 15, margin: 0 }}>
          {title}
        </Typography.Title>
        {extra}
      </div>
      <div ref={container} role="img" aria-label={title} style={{ width: '100%', height }} />
      <table style={VISUALLY_HIDDEN}>
        <caption>{title}</caption>
        <thead>
          <tr>
            {chart.table.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {chart.table.rows.map((row) => (
            <tr key={String(row[0])}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <th key={i} scope="row">
                    {cell}
                  </th>
                ) : (
                  <td key={i}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
};
