// The order form's market list, rebuilt as markets open: what it selects afterwards.

/**
 * The option to select once a list that offered `before` offers `after`: the one `selected` (''
 * for none) when it is still listed; none when it has gone, so the user chooses again rather than
 * order on a market they did not pick; none when none was chosen; and the first when the list
 * offered nothing before (its first fill, where the form has always preselected the first market).
 */
export function keptSelection(selected: string, before: readonly string[], after: readonly string[]): string {
  if (selected !== '') return after.includes(selected) ? selected : '';
  return before.length === 0 ? (after[0] ?? '') : '';
}
