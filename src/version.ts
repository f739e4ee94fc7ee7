export const VERSION = '0.1.0';
export const COLLECTOR_NAME = 'netaudit';
