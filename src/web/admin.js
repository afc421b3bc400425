// The organiser console (filled from the admin API with the token kept in session storage).
export {};
