/** Opening-hours test for rules with `hours`, in the rule's own time zone. */
export { isOpenAt, localTimeResolver, type LocalTime } from '../../hours/business-hours.js';
