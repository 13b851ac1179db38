// Vite turns imported stylesheets into a <link> in the built page.
declare module '*.css';
