// The words and numbers of the charts in the reader's language: column
// names, dimension values (a region's or centre's name with its code, a
// channel's label) and numbers formatted by kind.
import { computed, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { ChartText } from '@/lib/charts';
import type { ColumnKind } from '@/lib/analytics';
import type { Reference } from '@/lib/reference';
import { regionName } from '@/lib/regions';
import { formatNumber, formatPercent } from '@/lib/format';

export function formatKind(kind: ColumnKind, v: number | null): string {
  switch (kind) {
    case 'ratio': return formatPercent(v, 1);
    case 'minutes': return formatNumber(v, 1);
    case 'score': return formatNumber(v, 2);
    case 'count': return formatNumber(v, 0);
    default: return v === null ? '—' : String(v);
  }
}

export function useChartText(ref: Ref<Reference | null>) {
  const { t, te, locale } = useI18n();
  return computed<ChartText>(() => {
    const lang = locale.value;
    const r = ref.value;
    return {
      total: t('analytics.total'),
      column: (c) => (te(`analytics.column.${c}`) ? t(`analytics.column.${c}`) : c),
      format: formatKind,
      value: (dim, raw) => {
        if (raw === '') return t('analytics.none');
        if (dim === 'region') {
          const reg = r?.regions.find((x) => x.code === raw);
          return reg ? `${regionName(reg, lang)} (${raw})` : raw;
        }
        if (dim === 'centre') {
          const c = r?.centres.find((x) => x.code === raw);
          return c ? `${c.name} (${raw})` : raw;
        }
        if (dim === 'product_line') {
          const p = r?.productLines.find((x) => x.code === raw);
          return p ? regionName(p, lang) : raw;
        }
        if ((dim === 'channel' || dim === 'category') && te(`analytics.${dim}.${raw}`)) return t(`analytics.${dim}.${raw}`);
        return raw;
      },
    };
  });
}
