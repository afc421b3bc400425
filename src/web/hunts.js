// The hunts list: times in the reader's zone, countdowns to starts and ends ticking.
import { localizeTimes, startCountdowns } from './times.js';

localizeTimes();
startCountdowns();
