// ── SLA targets for specs whose clocks only have to run ──────────────────────────────────────────────────
// The tiers of a plain SLA policy, each counted around the clock and without escalation intervals: urgent answered
// within 30 min and fixed within 2 h, normal within 4 h and 9 h, planned within 3 days and 30 days. Plain policy
// input for SlaPolicySchema.parse: libs/testing sits below the domain libraries and may not import them.

export const roundTheClockSlaTiers = {
  urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
  normal: { responseSeconds: 14400, resolutionSeconds: 32400 },
  planned: { responseSeconds: 259200, resolutionSeconds: 2592000 },
} as const;
