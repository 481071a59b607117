import type { Resource } from '../../../core/index.js';
import type { QueueFilters } from './queue-model.js';

type Filters = Omit<QueueFilters, 'search'>;

/** The queue's filters: resource, requester, age, risk and the sort order. */
export function QueueFilterBar({
  filters,
  setFilter,
  resources: resourceOptions,
  requesters: requesterOptions,
}: {
  filters: Filters;
  setFilter<K extends keyof Filters>(key: K, value: Filters[K]): void;
  resources: readonly Pick<Resource, 'id' | 'name'>[];
  requesters: readonly { id: string; name: string }[];
}) {
  return (
    <div className="filters queue-filters" role="group" aria-label="Filters">
      <select aria-label="Resource" value={filters.resourceId} onChange={(e) => setFilter('resourceId', e.target.value)}>
        <option value="">Resource</option>
        {resourceOptions.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
      <select aria-label="Requester" value={filters.requesterId} onChange={(e) => setFilter('requesterId', e.target.value)}>
        <option value="">Requester</option>
        {requesterOptions.map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
      <select aria-label="Age" value={filters.age} onChange={(e) => setFilter('age', e.target.value as QueueFilters['age'])}>
        <option value="any">Age</option>
        <option value="lt1h">Last hour</option>
        <option value="lt24h">Last day</option>
        <option value="gt24h">Older than a day</option>
      </select>
      <select aria-label="Risk" value={filters.risk} onChange={(e) => setFilter('risk', e.target.value as QueueFilters['risk'])}>
        <option value="any">Risk</option>
        <option value="high">High risk</option>
        <option value="medium">Medium risk</option>
        <option value="low">Low risk</option>
      </select>
      <select aria-label="Sort" title="Sort order" value={filters.sort} onChange={(e) => setFilter('sort', e.target.value as QueueFilters['sort'])}>
        <option value="oldest">Oldest</option>
        <option value="newest">Newest</option>
        <option value="risk">Highest risk</option>
        <option value="expiring">Deadline</option>
      </select>
    </div>
  );
}
