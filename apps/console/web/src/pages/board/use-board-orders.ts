// The open orders of a site, read once per open status and then kept fresh by the live stream: each change heard
// is merged into the cached list, so cards move between columns without the list being read again.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { api } from '../../api';
import { useLiveOrders, type LiveState } from '../../live-orders';
import type { Status, WorkOrder } from '../../work-orders';
import { BOARD_STATUSES, mergeOrder } from './board-columns';

/** The most the list answers at once; a column that reaches it says it shows only the newest. */
export const COLUMN_LIMIT = 200;

export interface WorkOrders {
  readonly orders: readonly WorkOrder[];
  /** The statuses with more open orders than one answer holds. */
  readonly truncated: readonly Status[];
}

const boardKey = (site: string) => ['work-orders', 'board', site] as const;

/**
 * One request per open status rather than one for the site: the list has no "open" filter, and the newest 200 of a
 * busy site are mostly closed orders, which would crowd old open ones (the ones most overdue) off the board.
 */
const readOpenOrders = async (site: string, signal: AbortSignal): Promise<WorkOrders> => {
  const answers = await Promise.all(
    BOARD_STATUSES.map((status) =>
      api<{ items: WorkOrder[] }>(
        'query',
        `/v1/work-orders?${new URLSearchParams({ site, status, limit: String(COLUMN_LIMIT) })}`,
        { signal },
      ),
    ),
  );
  return {
    orders: answers.flatMap((answer) => answer.items),
    truncated: BOARD_STATUSES.filter((_, index) => (answers[index]?.items.length ?? 0) >= COLUMN_LIMIT),
  };
};

export const useWorkOrders = (site: string) => {
  const queryClient = useQueryClient();
  // Changes heard while a read is under way: the read may have seen the database before them, so they are merged
  // into its answer too (the newer version of an order wins either way).
  const readsUnderWay = useRef(new Set<WorkOrder[]>());

  const query = useQuery({
    queryKey: boardKey(site),
    queryFn: async ({ signal }) => {
      const heard: WorkOrder[] = [];
      readsUnderWay.current.add(heard);
      try {
        const read = await readOpenOrders(site, signal);
        return { ...read, orders: heard.reduce(mergeOrder, read.orders) };
      } finally {
        readsUnderWay.current.delete(heard);
      }
    },
  });

  const onOrder = useCallback(
    (order: WorkOrder) => {
      readsUnderWay.current.forEach((heard) => heard.push(order));
      queryClient.setQueryData<WorkOrders>(
        boardKey(site),
        (board) => board && { ...board, orders: mergeOrder(board.orders, order) },
      );
    },
    [queryClient, site],
  );
  const onResync = useCallback(
    () => void queryClient.invalidateQueries({ queryKey: boardKey(site) }),
    [queryClient, site],
  );
  const live: LiveState = useLiveOrders(site, { onOrder, onResync });
  return { query, live };
};
