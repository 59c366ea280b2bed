/** Vitest global setup: nothing shared yet beyond checking the environment. */
export default function setup(): void {}
