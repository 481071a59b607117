import { flexRender, type Table } from '@tanstack/react-table';
import './table.css';

/** The header row(s) of a TanStack table, one shared rendering for every list (column headers as `th scope="col"`). */
export function TableHead<T>({ table }: { table: Table<T> }) {
  return (
    <thead className="list-table-head">
      {table.getHeaderGroups().map((group) => (
        <tr key={group.id}>
          {group.headers.map((header) => (
            <th key={header.id} scope="col">
              {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
            </th>
          ))}
        </tr>
      ))}
    </thead>
  );
}
