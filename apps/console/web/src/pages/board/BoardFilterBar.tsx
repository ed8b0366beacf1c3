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

interface FilterSelectProps {
  readonly label: string;
  readonly value: string | null | undefined;
  readonly allLabel: string;
  readonly noneLabel: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly onChange: (value: string | null | undefined) => void;
}

/** One filter: "all" first, then the values on the board, then "none". Always showing a value, it needs no placeholder. */
const FilterSelect = ({ label, value, allLabel, noneLabel, options, onChange }: FilterSelectProps) => (
  <Select
    aria-label={label}
    value={choiceOf(value)}
    onChange={(choice: string) => onChange(filterOf(choice))}
    options={[{ value: ALL, label: allLabel }, ...options, { value: NONE, label: noneLabel }]}
    popupMatchSelectWidth={false}
    style={{ minWidth: 120 }}
  />
);

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
  const set = (key: keyof BoardFilters) => (value: string | null | undefined) => onChange({ ...filters, [key]: value });
  return (
    <Space wrap role="group" aria-label={t('filter.label')}>
      <FilterSelect
        label={t('filter.tier')}
        value={filters.tier}
        allLabel={t('filter.allTiers')}
        noneLabel={common('tier.none')}
        options={Tiers.map((tier: Tier) => ({ value: tier, label: common(`tier.${tier}`) }))}
        onChange={set('tier')}
      />
      <FilterSelect
        label={t('filter.category')}
        value={filters.category}
        allLabel={t('filter.allCategories')}
        noneLabel={t('filter.noCategory')}
        options={choices.categories.map((category) => ({ value: category, label: categoryLabel(category) }))}
        onChange={set('category')}
      />
      <FilterSelect
        label={t('filter.building')}
        value={filters.building}
        allLabel={t('filter.allBuildings')}
        noneLabel={t('filter.noBuilding')}
        options={choices.buildings.map((building) => ({ value: building, label: building }))}
        onChange={set('building')}
      />
      <FilterSelect
        label={t('filter.owner')}
        value={filters.owner}
        allLabel={t('filter.allOwners')}
        noneLabel={t('filter.noOwner')}
        options={choices.owners.map((owner) => ({ value: owner.staffId, label: owner.name }))}
        onChange={set('owner')}
      />
      <Button onClick={() => onChange({})} disabled={Object.values(filters).every((value) => value === undefined)}>
        {t('filter.clear')}
      </Button>
    </Space>
  );
};
