import { Button, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Tiers, type Tier } from '../../work-orders';
import type { BoardFilters, FilterChoices } from './board-columns';
import { useCategoryLabel } from './use-category-label';

// A select's value for "every order" and for "orders without one"; the filters' own values are absent and null.
const ALL = '*';
const NONE = '-';

const choiceOf = (value: string | null | undefined): string => (value === undefined ? ALL : (value ?? NONE));
const filterOf = (choice: string): string | null | undefined =>
  choice === ALL ? undefined : choice === NONE ? null : choice;

type FilterKey = keyof BoardFilters;
const FILTER_KEYS: readonly FilterKey[] = ['tier', 'category', 'building', 'owner'];

interface FilterSelectProps {
  readonly filterKey: FilterKey;
  readonly value: string | null | undefined;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly onChange: (value: string | null | undefined) => void;
}

/** One filter: "all" first, then the values on the board, then "none". Always showing a value, it needs no placeholder. */
const FilterSelect = ({ filterKey, value, options, onChange }: FilterSelectProps) => {
  const { t } = useTranslation('board');
  return (
    <Select
      aria-label={t(`filter.${filterKey}.label`)}
      value={choiceOf(value)}
      onChange={(choice: string) => onChange(filterOf(choice))}
      options={[
        { value: ALL, label: t(`filter.${filterKey}.all`) },
        ...options,
        { value: NONE, label: t(`filter.${filterKey}.none`) },
      ]}
      popupMatchSelectWidth={false}
      style={{ minWidth: 120 }}
    />
  );
};

export const BoardFilterBar = ({
  filters,
  choices,
  onChange,
}: {
  filters: BoardFilters;
  choices: FilterChoices;
  onChange: (filters: BoardFilters) => void;
}) => {
  const { t } = useTranslation('board');
  const { t: common } = useTranslation();
  const categoryLabel = useCategoryLabel();
  const options: Record<FilterKey, FilterSelectProps['options']> = {
    tier: Tiers.map((tier: Tier) => ({ value: tier, label: common(`tier.${tier}`) })),
    category: choices.categories.map((category) => ({ value: category, label: categoryLabel(category) })),
    building: choices.buildings.map((building) => ({ value: building, label: building })),
    owner: choices.owners.map((owner) => ({ value: owner.staffId, label: owner.name })),
  };
  return (
    <Space wrap role="group" aria-label={t('filter.label')}>
      {FILTER_KEYS.map((key) => (
        <FilterSelect
          key={key}
          filterKey={key}
          value={filters[key]}
          options={options[key]}
          onChange={(value) => onChange({ ...filters, [key]: value })}
        />
      ))}
      <Button onClick={() => onChange({})} disabled={Object.values(filters).every((value) => value === undefined)}>
        {t('filter.clear')}
      </Button>
    </Space>
  );
};
