/** Business-hours check for the IVR's `hours` node, in the flow's own time zone. */
export { DEFAULT_TIMEZONE, isOpen, type HoursLike } from '../hours/business-hours.js';
