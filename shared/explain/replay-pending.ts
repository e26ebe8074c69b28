/**
 * Said where a decision is not replayed yet because Cedar is still loading (the
 * reconstruction view's first answer; `ExplainDeps.cedar` null). A module of its own, so
 * the window can test for it without bundling the explain engine.
 */
export const REPLAY_PENDING = 'Cedar is still loading; the decision is re-performed as soon as it is ready';
