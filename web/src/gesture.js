// gesture.js — panning and wheel-zooming the graph view by moving a picture of it: while a
// gesture lasts, sigma's layers are shifted and scaled with a CSS transform, and the camera
// follows once, when the gesture ends. Without a GPU a redraw of 20,000 edges takes about a
// second; a transformed layer costs one composite, so the drawing follows the pointer at the
// display's rate however large the graph is.

// A wheel gesture ends when no wheel event came for this long.
const WHEEL_SETTLE_MS = 150;
// The zoom of one wheel notch (120 in deltaY), as sigma's own wheel zoom.
const NOTCH = 120;

// Takes over sigma's mouse panning and wheel zooming (touch stays with sigma). Returns an
// object whose `moved` says whether the last press became a drag: the click that ends a drag
// is not a click on what lies under the pointer.
export function attachGestures(sigma, layers) {
  const captor = sigma.getMouseCaptor();
  const ratioStep = sigma.getSetting("zoomingRatio");
  // The picture's transform: a point p of the drawing shows at s * p + (tx, ty).
  let s = 1, tx = 0, ty = 0;
  let dragFrom = null; // the pointer's last position while the left button is down
  let wheelTimer = 0;
  let committing = false;
  const state = { moved: false };

  const show = () => {
    const css = s === 1 && tx === 0 && ty === 0 ? "" : `translate(${tx}px, ${ty}px) scale(${s})`;
    for (const el of layers()) {
      el.style.transformOrigin = "0 0";
      el.style.transform = css;
    }
  };

  // Moves the camera to what the picture shows, and drops the transform in the same frame as
  // the redraw, so the picture never jumps.
  const commit = () => {
    if (s === 1 && tx === 0 && ty === 0) return;
    const { width, height } = sigma.getDimensions();
    const centre = sigma.viewportToFramedGraph({ x: (width / 2 - tx) / s, y: (height / 2 - ty) / s });
    const cam = sigma.getCamera();
    const ratio = cam.getBoundedRatio(cam.getState().ratio / s);
    s = 1;
    tx = ty = 0;
    committing = true;
    cam.setState({ x: centre.x, y: centre.y, ratio });
  };
  sigma.on("afterRender", () => {
    if (!committing) return;
    committing = false;
    show();
  });

  captor.on("mousedown", (e) => {
    state.moved = false;
    if (e.original.button === 0) dragFrom = { x: e.x, y: e.y };
  });
  captor.on("mousemovebody", (e) => {
    if (!dragFrom) return;
    e.preventSigmaDefault();
    if (e.x === dragFrom.x && e.y === dragFrom.y) return;
    tx += e.x - dragFrom.x;
    ty += e.y - dragFrom.y;
    dragFrom = { x: e.x, y: e.y };
    state.moved = true;
    show();
  });
  captor.on("mouseup", () => {
    if (!dragFrom) return;
    dragFrom = null;
    commit();
  });
  // The wheel is taken before sigma sees it (a capturing listener on its container): sigma 3.0.3
  // ignores preventSigmaDefault on wheel events and would animate its own zoom as well.
  const container = sigma.getContainer();
  container.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    const box = container.getBoundingClientRect();
    const x = ev.clientX - box.left, y = ev.clientY - box.top;
    const lines = ev.deltaMode === 1 ? 40 : ev.deltaMode === 2 ? 800 : 1;
    const k = ratioStep ** (-(ev.deltaY * lines) / NOTCH);
    // Zoom about the pointer: it stays over the same point of the drawing.
    s *= k;
    tx = k * tx + (1 - k) * x;
    ty = k * ty + (1 - k) * y;
    show();
    clearTimeout(wheelTimer);
    wheelTimer = setTimeout(() => {
      if (!dragFrom) commit();
    }, WHEEL_SETTLE_MS);
  }, { capture: true, passive: false });
  return state;
}
