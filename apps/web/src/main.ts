import { mount } from 'svelte';
import App from './App.svelte';
import './styles/app.css';
import './styles/workspace.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element to mount Milepost into.');

export default mount(App, { target });
