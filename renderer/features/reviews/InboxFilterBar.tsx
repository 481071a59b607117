import { RECOMMENDATION_CODES, type RecommendationCode } from '../../../core/schema/review.js';
import { RECOMMENDATION_LABEL, type InboxFilters } from './inbox-model.js';

type Filters = Omit<InboxFilters, 'search'>;

/** The inbox's filters: what to show, by recommendation (with counts of the items to decide), by campaign, and the order. */
export function InboxFilterBar({
  filters,
  setFilter,
  campaigns,
  counts,
  total,
}: {
  filters: Filters;
  setFilter<K extends keyof Filters>(key: K, value: Filters[K]): void;
  campaigns: readonly { id: string; name: string }[];
  counts: ReadonlyMap<RecommendationCode, number>;
  total: number;
}) {
  const recommended = [...counts.values()].length > 0;
  return (
    <div className="filters queue-filters" role="group" aria-label="Filters">
      <select aria-label="Show" value={filters.view} onChange={(e) => setFilter('view', e.target.value as Filters['view'])}>
        <option value="todo">To decide ({total.toLocaleString()})</option>
        <option value="decided">Decided</option>
        <option value="all">Every item I can see</option>
      </select>
      <select aria-label="Recommendation" value={filters.recommendation} onChange={(e) => setFilter('recommendation', e.target.value as Filters['recommendation'])}>
        <option value="any">Any recommendation</option>
        <option value="recommended" disabled={!recommended}>
          Recommended for removal
        </option>
        <option value="none">No recommendation</option>
        {RECOMMENDATION_CODES.map((code) => (
          <option key={code} value={code}>
            {RECOMMENDATION_LABEL[code]} ({(counts.get(code) ?? 0).toLocaleString()})
          </option>
        ))}
      </select>
      <select aria-label="Campaign" value={filters.campaignId} onChange={(e) => setFilter('campaignId', e.target.value)}>
        <option value="">Every campaign</option>
        {campaigns.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <select aria-label="Sort" value={filters.sort} onChange={(e) => setFilter('sort', e.target.value as Filters['sort'])}>
        <option value="recommended">Recommended first</option>
        <option value="person">Person</option>
        <option value="resource">Resource</option>
        <option value="due">Deadline</option>
      </select>
    </div>
  );
}
