// English texts of the customer 360 page (same keys in ../zh/customer.ts).
export default {
  customer: {
    asOf: 'As of {time}',
    risk: {
      title: 'Risk',
      level: { none: 'No risk signals', medium: 'Some risk', high: 'High risk' },
      since: 'Breaches and low scores since {date}',
      outOfCover: 'Units out of cover',
      breaches: 'SLA breaches',
      lowScores: 'Scores of 2 or less',
      shown: 'showing {shown} of {count}',
    },
    units: {
      title: 'Units',
      total: '{n} units',
      cover: { warranty: 'Under warranty', contract: 'Under contract', none: 'Out of cover' },
      col: { serial: 'Serial number', model: 'Model', site: 'Site', warranty: 'Warranty', end: 'Warranty ends', cover: 'Covered by' },
      more: 'Show more units',
    },
    contracts: {
      title: 'Active contracts',
      none: 'No active contract.',
      period: '{start} to {end}',
      visits: 'Visits this contract year',
      visitsUsed: '{used} of {allowed} used',
      visitsUnlimited: '{used} used, no limit',
      kind: { service: 'Service contract', warranty_extension: 'Warranty extension' },
    },
    requests: {
      open: 'Open requests',
      recent: 'Requests of the last 90 days',
      none: 'None.',
      shown: 'showing {shown} of {total}',
      sla: { running: 'On time', paused: 'Paused', breached: 'Breached', met: 'Met', cancelled: 'Cancelled' },
      target: { response: 'response', arrival: 'arrival', resolution: 'resolution' },
    },
    satisfaction: {
      title: 'Satisfaction, last 12 months',
      average: 'Average {avg} of 5',
      noScores: 'No scores in the last 12 months.',
      month: '{month}: {avg} from {n} scores',
      monthNone: '{month}: no scores',
    },
    renewals: {
      title: 'Renewal history',
      none: 'No renewals.',
      renews: 'renews {number}',
      unit: 'unit {serial}',
    },
    problems: {
      title: 'Open problems touching their units',
      none: 'No open problem.',
      units: '{n} of their units',
      status: { open: 'Open', investigating: 'Investigating', corrective_action: 'Corrective action' },
    },
  },
};
