/** A page draws itself into `root` from the route's parameters and answers how to tear it down. */
export type Page = (root: HTMLElement, params: string[]) => () => void;
