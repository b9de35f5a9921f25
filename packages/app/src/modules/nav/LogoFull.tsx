import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  title: {
    color: '#7df3e1',
    fontSize: 24,
    fontWeight: 700,
    letterSpacing: 0.5,
    lineHeight: '30px',
    whiteSpace: 'nowrap',
  },
});

/**
 * The open sidebar's wordmark: the portal's name (`app.title`), so an
 * operator's title shows there too, rather than Backstage's logo.
 */
export const LogoFull = () => {
  const classes = useStyles();
  const title =
    useApi(configApiRef).getOptionalString('app.title') ?? 'DevPortal';
  return <span className={classes.title}>{title}</span>;
};
